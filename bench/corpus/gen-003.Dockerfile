# gen-003: ruby service (generated for the dockgate lint benchmark)
FROM ruby:3.3-slim
WORKDIR /app
RUN apt-get update
RUN apt-get install -y \
        build-essential \
        tini \
        jq \
    && rm -rf /var/lib/apt/lists/*
COPY Gemfile Gemfile.lock ./
RUN bundle install --without development test
COPY . .
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 9292
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:9292/health || exit 1
CMD ["bundle", "exec", "puma", "-C", "config/puma.rb"]
