# gen-088: ruby service (generated for the dockgate lint benchmark)
FROM ruby:3.2-alpine
WORKDIR /app
RUN apk add bash build-base tini
COPY Gemfile Gemfile.lock ./
RUN bundle install --without development test
COPY . .
WORKDIR src
RUN addgroup -S app && adduser -S -G app app
EXPOSE 9292
USER root
CMD ["bundle", "exec", "puma", "-C", "config/puma.rb"]
