# gen-019: java service (generated for the dockgate lint benchmark)
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /app
COPY . .
COPY pom.xml .
RUN mvn -B dependency:go-offline
RUN mvn -B package -DskipTests
ADD https://example.com/tools/cli.tar.gz /tmp/

FROM openjdk:17
WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
COPY --from=build /app /app
EXPOSE 8080
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8080/health || exit 1
USER app
CMD ["java", "-jar", "/app/app.jar"]
