# syntax=docker/dockerfile:1
# Kumquat container image: the same single executable as `bun run build`, on a slim Debian base.
#
#   docker build -t kumquat .
#   docker run -d --name kumquat -p 3000:3000 -v kumquat-data:/app/data \
#     -e KUMQUAT_BASE_URL=https://atendimento.example.com -e KUMQUAT_SECRET_KEY=$(openssl rand -hex 32) kumquat
#   docker exec kumquat /app/kumquat admin create --email admin@example.com --password '...'
#   docker exec kumquat /app/kumquat backup /app/data/backup-$(date +%F).db
#
# Stages: deps (npm ci from package-lock.json) -> build (bun build --compile) -> runtime (binary only).

# ---- 1. dependencies -----------------------------------------------------------------------------
# The lockfile is npm's package-lock.json, so npm installs exactly what it pins (`npm ci` fails on
# any mismatch with package.json). Only runtime dependencies: the build needs nothing from
# devDependencies (tsc, test tools, the `bun` npm package), and --ignore-scripts skips install hooks.
FROM node:22-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- 2. build: one self-contained executable --------------------------------------------------------
FROM oven/bun:1.4.4 AS build
WORKDIR /src
COPY --from=deps /src/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json bunfig.toml ./
COPY scripts/build.ts ./scripts/build.ts
COPY migrations ./migrations
COPY public ./public
COPY views ./views
COPY src ./src
# Compiles for the architecture this stage runs on (buildx: one build per --platform).
RUN bun run build \
 && ./dist/kumquat version

# ---- 3. runtime ---------------------------------------------------------------------------------
# debian:bookworm-slim rather than distroless: the executable needs only glibc (libc, libm,
# libpthread, libdl), but the health check below needs a shell, and bash is already in the base.
# No extra packages: Bun embeds ICU with its time-zone data (America/Sao_Paulo works without
# tzdata), SQLite, and Mozilla's CA roots (for a private CA, mount it and set NODE_EXTRA_CA_CERTS).
FROM debian:bookworm-slim AS runtime

# A fixed, unprivileged uid/gid so a bind-mounted data dir can be chowned to match (10001:10001).
RUN groupadd --system --gid 10001 kumquat \
 && useradd --system --uid 10001 --gid kumquat --home-dir /app --no-create-home --shell /usr/sbin/nologin kumquat \
 && mkdir -p /app/data \
 && chown kumquat:kumquat /app/data \
 && chmod 0750 /app/data

WORKDIR /app
# Owned by root and not writable by the service user: the code cannot be changed by the process.
COPY --from=build --chown=root:root --chmod=0755 /src/dist/kumquat /app/kumquat

# The database, its WAL, secret.key (when KUMQUAT_SECRET_KEY is not set) and media live here.
# The binary also reads /app/.env when present (mount one read-only for settings, or use -e).
ENV KUMQUAT_DATA_DIR=/app/data \
    KUMQUAT_HOST=0.0.0.0 \
    KUMQUAT_PORT=3000
VOLUME /app/data
EXPOSE 3000

USER kumquat:kumquat

# Health check without curl or wget: bash's /dev/tcp sends a plain HTTP request to /healthz (which
# answers 200 only when the database answers) and checks the status line. All builtins, so nothing
# extra is installed; a refused connection, a timeout or a non-200 status all fail the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["bash", "-c", "exec 3<>\"/dev/tcp/127.0.0.1/${KUMQUAT_PORT:-3000}\" && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && IFS= read -r -t 4 status <&3 && [[ $status == 'HTTP/1.1 200'* ]]"]

# `kumquat serve` stops gracefully on SIGTERM (drains, checkpoints the WAL) within 5 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/kumquat"]
CMD ["serve"]
