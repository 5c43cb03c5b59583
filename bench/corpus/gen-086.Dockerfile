# gen-086: ruby service (generated for the dockgate lint benchmark)
FROM ruby:3.2-alpine
WORKDIR /app
RUN apk add --update curl git build-base
COPY . .
COPY Gemfile Gemfile.lock ./
RUN bundle install --without development test
RUN curl -fsSL https://get.example.com/install.sh | sh
RUN chmod -R 777 /app
RUN addgroup -S app && adduser -S -G app app
EXPOSE 9292
USER app
CMD ["bundle", "exec", "puma", "-C", "config/puma.rb"]
