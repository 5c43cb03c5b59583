FROM nginx:1.24-alpine

# Why Nginx?
# - Industry standard for static files
# - Excellent performance (C-based)
# - Rich feature set (caching, compression, security)
# - Small memory footprint
# - Battle-tested in production
