# syntax=docker/dockerfile:1
# Build: a static binary (modernc SQLite is pure Go, so no cgo is needed),
# made by scripts/build.sh.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The same build line as CI and `make build`: scripts/build.sh. VERSION
# reaches it as an environment variable (docker build --build-arg VERSION=…).
ARG VERSION=dev
RUN sh scripts/build.sh /out/whatmatters

# Run: no shell, no package manager, a non-root user. Timezone data is
# compiled into the binary (time/tzdata), and CA certificates come with the
# base image for Slack and model endpoints.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/whatmatters /whatmatters
ENV PORT=8080
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/whatmatters"]
CMD ["serve"]
