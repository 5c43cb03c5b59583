# gen-042: ruby service (generated for the dockgate lint benchmark)
FROM ruby:3.2-alpine
WORKDIR /app
COPY Gemfile Gemfile.lock ./
RUN bundle install --without development test
COPY . .
MAINTAINER ops@example.com
RUN addgroup -S app && adduser -S -G app app
EXPOSE 9292
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:9292/health || exit 1
USER 10001:10001
CMD bundle exec puma -C config/puma.rb
