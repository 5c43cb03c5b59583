# syntax=docker/dockerfile:1
FROM ubuntu:24.04
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update && apt-get install -y --no-install-recommends python3 python3-pip
RUN --mount=type=cache,target=/root/.cache/pip \
    pip3 install --break-system-packages httpx==0.27.0
RUN --mount=type=secret,id=netrc,target=/root/.netrc \
    pip3 install --break-system-packages --index-url https://pypi.internal.example/simple private-lib
USER nobody
CMD ["python3", "-m", "private_lib"]
