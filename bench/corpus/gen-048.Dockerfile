# gen-048: ruby service (generated for the dockgate lint benchmark)
FROM ruby:3.3-slim
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends \
        gcc \
        ca-certificates \
        tini \
    && rm -rf /var/lib/apt/lists/*
COPY Gemfile Gemfile.lock ./
RUN bundle install --without development test
COPY . .
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 9292
USER app
CMD bundle exec puma -C config/puma.rb
