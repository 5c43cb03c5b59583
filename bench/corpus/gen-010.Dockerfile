# gen-010: java service (generated for the dockgate lint benchmark)
FROM gradle:8.5-jdk17@sha256:8368b97a550cfd4fdc497100668df0edf7976a9330acae1d38a2ef4a498d691d AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends \
        gcc \
        jq \
        git \
    && rm -rf /var/lib/apt/lists/*
COPY . .
COPY pom.xml .
RUN mvn -B dependency:go-offline
RUN mvn -B package -DskipTests
RUN chmod -R 777 /app

FROM eclipse-temurin:21-jre
WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
COPY --from=build /app /app
EXPOSE 8080
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8080/health || exit 1
USER app
CMD java -jar /app/app.jar
