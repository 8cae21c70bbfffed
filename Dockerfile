# One image for the worker and the provider simulators (docker-compose.yml picks the command).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev
# The mount points of the kyc-secrets and kyc-simulator-state volumes (docker-compose.yml), made here so the runtime stage can
# copy it owned by node: a named volume takes its mount point's owner from the image on first use,
# and a directory Docker creates itself is root's, which the simulators (USER node) cannot write.
# Empty: .dockerignore keeps a checkout's secrets/ out of the context (mkdir fails if one got in).
RUN mkdir secrets simulator-state

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
COPY --from=build --chown=node:node /app/secrets /secrets
COPY --from=build --chown=node:node /app/simulator-state /simulator-state
USER node
CMD ["node", "lib/worker/main.js"]
