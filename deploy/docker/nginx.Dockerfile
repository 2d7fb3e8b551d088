# nginx in front of the dashboard in docker-compose: the official image, which renders
# /etc/nginx/templates/*.template with envsubst at start, with THE shipped deploy/nginx template, plus
# openssl for a self-signed certificate made at first start when none is mounted (nginx-tls.sh).
FROM nginx:1.27-alpine
RUN apk add --no-cache openssl && rm -f /etc/nginx/conf.d/default.conf
COPY --chmod=0755 deploy/docker/nginx-tls.sh /docker-entrypoint.d/15-borg-fleet-tls.sh
COPY deploy/nginx/borg-fleet.conf.template /etc/nginx/templates/borg-fleet.conf.template
