FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY knowledge ./knowledge
COPY storage ./storage
RUN pip install --no-cache-dir '.[postgres,slack,discord]' \
    && useradd --create-home --uid 10001 communitybot \
    && mkdir /data && chown communitybot /data
USER communitybot
ENV COMMUNITYBOT_DATA_DIR=/data
VOLUME ["/data"]
ENTRYPOINT ["communitybot"]
EXPOSE 8080
CMD ["run"]
