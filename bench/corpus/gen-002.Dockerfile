# gen-002: java service (generated for the dockgate lint benchmark)
FROM gradle:8.5-jdk17 AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends \
        gcc \
        make \
        tini \
    && rm -rf /var/lib/apt/lists/*
COPY pom.xml .
RUN mvn -B dependency:go-offline
COPY . .
RUN mvn -B package -DskipTests
RUN curl -fsSL https://get.example.com/install.sh | sh
RUN chmod -R 777 /app

FROM eclipse-temurin:17-jre-alpine
WORKDIR /app
RUN addgroup -S app && adduser -S -G app app
COPY --from=build /app /app
EXPOSE 8080
USER app
CMD ["java", "-jar", "/app/app.jar"]
