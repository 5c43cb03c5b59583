FROM gcr.io/distroless/python3-debian11
