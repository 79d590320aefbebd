# Build stage: the same Debian packages as ./dev setup.
FROM debian:bookworm AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build libboost1.81-dev libssl-dev nlohmann-json3-dev libsqlite3-dev libsqlitecpp-dev \
      catch2 libhowardhinnant-date-dev libspdlog-dev libcli11-dev libtomlplusplus-dev ca-certificates tzdata \
      pkg-config libedit-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF && cmake --build build --target tend

# Run stage: only the runtime libraries, a non-root user, the database on a volume.
FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libssl3 libsqlite3-0 libdate-tz3 libspdlog1.10 libtomlplusplus3 libfmt9 libedit2 \
      ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /home/tend tend \
    && mkdir -p /data && chown tend /data
COPY --from=build /src/build/bot/tend /usr/local/bin/tend
COPY config/tend.example.toml /etc/tend/tend.example.toml
USER tend
WORKDIR /home/tend
ENV TEND_DB=/data/tend.db
VOLUME ["/data"]
ENTRYPOINT ["/usr/local/bin/tend"]
CMD ["run"]
