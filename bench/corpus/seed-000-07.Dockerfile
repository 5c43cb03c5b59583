# Development version with debugging tools
FROM evaluator:base as debug
USER root
RUN apt-get update && apt-get install -y \
    strace \
    tcpdump \
    vim
USER evaluator
