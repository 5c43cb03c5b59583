# gen-051: ruby service (generated for the dockgate lint benchmark)
FROM ruby:3.2
WORKDIR /app
RUN apt-get update && apt-get install -y \
        jq \
        curl \
        git
COPY Gemfile Gemfile.lock ./
RUN bundle install --without development test
COPY . .
WORKDIR src
ENV SECRET_KEY_BASE=9f8e7d6c5b4a
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 9292
USER app
CMD bundle exec puma -C config/puma.rb
