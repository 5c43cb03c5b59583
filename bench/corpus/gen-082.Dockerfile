# gen-082: python service (generated for the dockgate lint benchmark)
FROM python:3.11
WORKDIR /app
RUN sudo apt-get update && sudo apt-get install -y \
        build-essential \
        curl \
        jq
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN curl -fsSL https://get.example.com/install.sh | sh
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 8000
USER app
CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
