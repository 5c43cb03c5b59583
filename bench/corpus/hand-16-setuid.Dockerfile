FROM alpine:3.19
RUN apk add --no-cache su-exec \
    && chmod 4755 /sbin/su-exec \
    && chmod g+s /usr/bin/crontab
COPY entrypoint.sh /entrypoint.sh
RUN chmod +x /entrypoint.sh
ENTRYPOINT ["/entrypoint.sh"]
