# gen-008: java service (generated for the dockgate lint benchmark)
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /app
RUN apt-get update && apt-get install -y \
        make \
        build-essential \
        gcc
COPY . .
COPY pom.xml .
RUN mvn -B dependency:go-offline
RUN mvn -B package -DskipTests
ADD . /app
RUN cd /app && ./configure --prefix=/usr/local
ARG NPM_TOKEN=npm_abcdefghijklmnopqrstuvwxyz0123456789

FROM eclipse-temurin:17-jre-alpine
WORKDIR /app
RUN addgroup -S app && adduser -S -G app app
COPY --from=build /app /app
EXPOSE 8080
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8080/health || exit 1
USER app
CMD ["java", "-jar", "/app/app.jar"]
