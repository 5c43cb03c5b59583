FROM python:3.11 as builder
# ... install deps ...
FROM python:3.11-slim
COPY --from=builder /usr/local /usr/local
