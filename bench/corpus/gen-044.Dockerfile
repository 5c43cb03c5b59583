# gen-044: java service (generated for the dockgate lint benchmark)
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /app
RUN apt-get update
RUN apt-get install -y --no-install-recommends \
        tini \
        ca-certificates \
        libpq-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . .
COPY pom.xml .
RUN mvn -B dependency:go-offline
RUN mvn -B package -DskipTests

FROM eclipse-temurin:17-jre-alpine
WORKDIR /app
RUN addgroup -S app && adduser -S -G app app
COPY --from=build /app /app
EXPOSE 8080
USER app
CMD ["java", "-jar", "/app/app.jar"]
