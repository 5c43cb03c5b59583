FROM ruby:3.3-slim
LABEL org.opencontainers.image.authors="platform@example.com"
ONBUILD COPY Gemfile Gemfile.lock /app/
ONBUILD RUN bundle install --jobs 4
ONBUILD COPY . /app
WORKDIR /app
STOPSIGNAL SIGQUIT
USER 1000
CMD ["irb"]
