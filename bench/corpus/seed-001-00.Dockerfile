# ‚úÖ GOOD: Multi-stage build
FROM node:20-alpine AS builder
# Build application
FROM node:20-alpine AS runner
# Copy only production artifacts

# ‚ùå BAD: Single stage
FROM node:20
# Everything in one stage - huge image
