# gen-037: ruby service (generated for the dockgate lint benchmark)
FROM ruby:3.3-slim
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends \
        curl \
        jq \
        ca-certificates
COPY . .
COPY Gemfile Gemfile.lock ./
RUN bundle install --without development test
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 9292
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:9292/health || exit 1
USER app
CMD ["sh", "-c", "echo starting"]
CMD ["bundle", "exec", "puma", "-C", "config/puma.rb"]
