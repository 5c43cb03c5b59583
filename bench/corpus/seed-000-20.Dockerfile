FROM node:18-alpine as builder

# Why Alpine for build stage?
# - Smaller base image (150MB vs 900MB for full Node)
# - Faster downloads in CI/CD
# - musl libc is fine for build tools
# - APK package manager is fast

RUN apk add --no-cache python3 make g++ git
# Why these packages?
# - python3: Some npm packages use Python build scripts
# - make, g++: For node-gyp (compiles native modules)
# - git: For packages referenced by git URL
