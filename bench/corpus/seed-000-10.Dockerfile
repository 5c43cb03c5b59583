FROM gcr.io/distroless/python3
