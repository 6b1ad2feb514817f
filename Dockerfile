# Both demos from the repository: a Maven build stage, then one small JRE image per demo, run as a non-root user.
#   docker build --target http-demo  -t starvation-reproducer/http-demo .
#   docker build --target kafka-demo -t starvation-reproducer/kafka-demo .

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
# Maven reads every module's pom, even the ones it does not build here (ComposeFileTest checks each is copied).
COPY walkthrough-app/pom.xml walkthrough-app/
COPY vthreads-demo/pom.xml vthreads-demo/
COPY common common
COPY http-demo http-demo
COPY kafka-demo kafka-demo
RUN mvn -B -q -pl common,http-demo,kafka-demo -am -DskipTests package

FROM eclipse-temurin:17-jre AS runtime
# A numeric user, so that Kubernetes' runAsNonRoot can check it.
RUN groupadd --system --gid 10001 demo \
 && useradd --system --uid 10001 --gid demo --home-dir /app --shell /usr/sbin/nologin demo
WORKDIR /app
USER 10001:10001

FROM runtime AS http-demo
COPY --from=build /src/http-demo/target/http-demo.jar /app/http-demo.jar
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/http-demo.jar"]
CMD ["server", "--host", "0.0.0.0", "--port", "8080"]

FROM runtime AS kafka-demo
COPY --from=build /src/kafka-demo/target/kafka-demo.jar /app/kafka-demo.jar
ENTRYPOINT ["java", "-jar", "/app/kafka-demo.jar"]
CMD ["--help"]
