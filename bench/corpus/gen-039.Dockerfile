# gen-039: ruby service (generated for the dockgate lint benchmark)
FROM ruby:3.2-alpine
WORKDIR /app
RUN apk add --no-cache tini curl git
COPY . .
COPY Gemfile Gemfile.lock ./
RUN bundle install --without development test
ENV SECRET_KEY_BASE=9f8e7d6c5b4a
RUN addgroup -S app && adduser -S -G app app
EXPOSE 9292
USER app
CMD bundle exec puma -C config/puma.rb
