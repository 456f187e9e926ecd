FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# The checklist PDF in Chinese needs a CJK TrueType font (settings.PDF_CJK_FONT).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY trial trial
COPY patients patients
COPY screening screening
RUN pip install --no-cache-dir .
COPY . .
# collectstatic needs a secret to import settings; this one is thrown away with the build layer.
RUN SECRET_KEY=collectstatic-only DATABASE_URL=postgresql://x@localhost/x REDIS_URL=redis://localhost \
    python manage.py collectstatic --no-input
# Volumes the app writes (uploaded ICFs, the checkpoint key and checkpoints): a named volume takes the
# ownership of its directory in the image on first use, so nobody can write there.
RUN mkdir -p /data/media /data/audit-key /data/audit-checkpoints \
    && chown nobody /data/media /data/audit-key /data/audit-checkpoints && chmod 700 /data/audit-key
USER nobody
EXPOSE 8000
