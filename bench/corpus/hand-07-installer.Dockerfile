FROM ubuntu:20.04
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get -y install curl gnupg && \
    curl -sL https://deb.nodesource.com/setup_18.x | bash - && \
    apt-get install -y nodejs && \
    apt-get clean
RUN wget -qO- https://install.python-poetry.org | python3 -
RUN npm install -g pm2
WORKDIR /usr/src/app
COPY . .
RUN npm install
EXPOSE 8080
CMD pm2-runtime start ecosystem.config.js
