# Production image: the lean binary (no embedded Temporal server) on distroless.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -tags slipway_lean -trimpath -ldflags="-s -w" -o /out/slipway ./cmd/slipway

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/slipway /slipway
EXPOSE 8080
ENTRYPOINT ["/slipway"]
