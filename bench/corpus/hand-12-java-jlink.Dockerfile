FROM eclipse-temurin:21-jdk AS jre
RUN $JAVA_HOME/bin/jlink --add-modules java.base,java.logging,java.net.http \
    --strip-debug --no-man-pages --no-header-files --compress=2 --output /jre

FROM maven:3.9.6-eclipse-temurin-21 AS build
WORKDIR /build
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -q package -DskipTests

FROM debian:bookworm-slim
ENV JAVA_HOME=/opt/jre PATH="/opt/jre/bin:${PATH}"
COPY --from=jre /jre /opt/jre
COPY --from=build /build/target/app.jar /app/app.jar
RUN groupadd -r app && useradd -r -g app app
USER app
HEALTHCHECK CMD ["java", "-cp", "/app/app.jar", "com.example.Health"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar"]
