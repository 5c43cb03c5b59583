FROM scratch
COPY --from=builder / /
