# Build stage: the Debian packages Tend builds against (./dev setup's list, less the test-only ones).
# The build line is the packager's: warnings are printed, not errors (CI builds the same line with
# -DTEND_WERROR=ON).
FROM debian:bookworm AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config libboost1.81-dev libssl-dev zlib1g-dev nlohmann-json3-dev libsqlite3-dev \
      libsqlitecpp-dev libhowardhinnant-date-dev libspdlog-dev libcli11-dev libtomlplusplus-dev \
      libedit-dev ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
    && cmake --build build-release --target tend \
    && strip build-release/bot/tend

# Run stage: only the shared libraries the binary links (`ldd tend`: OpenSSL, SQLite, date's tz,
# spdlog, fmt, toml++, libedit; libstdc++ and libgcc are in the base image), the CAs and the time zones it
# reads, a non-root user, the database on a volume.
FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libssl3 libsqlite3-0 libdate-tz3 libspdlog1.10 libfmt9 libtomlplusplus3 libedit2 \
      ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --no-log-init --create-home --home-dir /home/tend tend \
    && mkdir -p /data && chown tend /data
COPY --from=build /src/build-release/bot/tend /usr/local/bin/tend
COPY config/tend.example.toml /etc/tend/tend.example.toml
USER tend
WORKDIR /home/tend
ENV TEND_DB=/data/tend.db
VOLUME ["/data"]
ENTRYPOINT ["/usr/local/bin/tend"]
CMD ["run"]
