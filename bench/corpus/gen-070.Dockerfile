# gen-070: java service (generated for the dockgate lint benchmark)
FROM gradle:8.5-jdk17 AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends \
        tini \
        libpq-dev \
        build-essential
COPY pom.xml .
RUN mvn -B dependency:go-offline
COPY . .
RUN mvn -B package -DskipTests
MAINTAINER ops@example.com

FROM openjdk:17
WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
COPY --from=build /app /app
EXPOSE 8080
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8080/health || exit 1
CMD ["java", "-jar", "/app/app.jar"]
