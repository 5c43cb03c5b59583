# gen-021: ruby service (generated for the dockgate lint benchmark)
FROM ruby:3.2-alpine
WORKDIR /app
RUN apk add --update bash build-base libpq
COPY . .
COPY Gemfile Gemfile.lock ./
RUN bundle install --without development test
RUN addgroup -S app && adduser -S -G app app
EXPOSE 9292
USER app
CMD ["bundle", "exec", "puma", "-C", "config/puma.rb"]
