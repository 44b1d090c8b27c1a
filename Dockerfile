# Spiker Perak in a container: a static binary (CGO_ENABLED=0, pure-Go
# SQLite) on a distroless base, running as an unprivileged user, with the
# data directory (SQLite file and secret file) on a volume.
#   docker build -t spiker-perak .
#   docker run -p 8080:8080 -v spiker-data:/data spiker-perak
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /spiker ./cmd/spiker

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /spiker /spiker
ENV SPIKER_DATA=/data SPIKER_ADDR=0.0.0.0:8080
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/spiker"]
CMD ["serve"]
