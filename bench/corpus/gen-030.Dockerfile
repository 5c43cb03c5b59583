# gen-030: static service (generated for the dockgate lint benchmark)
FROM nginx:stable
WORKDIR /app
RUN apt-get update
RUN apt-get install -y \
        git \
        jq \
        curl \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 80
USER app
CMD ["sh", "-c", "echo starting"]
CMD nginx -g daemon off;
