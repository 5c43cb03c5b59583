FROM base as builder
# Build steps
FROM base as runtime
COPY --from=builder /artifacts /app
