# Thin targets; the work lives in the backend package, the frontend's npm scripts and scripts/.
PY_VERSION ?= python3.11
VENV := backend/.venv
PY := $(VENV)/bin/python
AEVP := $(VENV)/bin/aevp
HAS_FRONTEND := $(wildcard frontend/package.json)

.PHONY: setup setup-python setup-data setup-frontend setup-browser run dev test test-backend test-frontend \
        bench pretrained fuzz lint up clean

setup: setup-python setup-data setup-frontend setup-browser  ## install everything, fetch and verify the datasets

setup-python:
	test -x $(PY) || $(PY_VERSION) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --require-hashes -r backend/requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e backend

setup-data:
	$(AEVP) data fetch

setup-frontend:
ifneq ($(HAS_FRONTEND),)
	cd frontend && npm ci --no-audit --no-fund && npm run build
endif

setup-browser:
ifneq ($(HAS_FRONTEND),)
	bash scripts/install-chromium.sh
	bash scripts/install-test-tools.sh
endif

run:  ## one server on port 8000: the lab at /, the API at /api, /ws and /docs
	$(AEVP) serve --port $${PORT:-8000}

dev:  ## API with reload on 8000 and the Vite dev server on 5173 (proxying /api and /ws)
	$(AEVP) serve --port 8000 --reload & cd frontend && npm run dev

test: test-backend test-frontend

test-backend:
	cd backend && .venv/bin/python -m pytest -q

test-frontend:
ifneq ($(HAS_FRONTEND),)
	cd frontend && npm test && npm run e2e
endif

bench:  ## training throughput vs the matmul bound, compile time, explore/decode latency, service, first-page, a class of 30 users (load) and browser figures
	cd backend && .venv/bin/python -m bench.train
	cd backend && .venv/bin/python -m bench.service
	cd backend && .venv/bin/python -m bench.maps
	cd backend && .venv/bin/python -m bench.firstpage
	cd backend && .venv/bin/python -m bench.ray_jobs
	@# a class of 30: idle, with one job training (each as the lab sends and as one drawing after another), then
	@# with 2 jobs and 500 more sockets held open
	cd backend && for jobs in 0 1; do for pattern in lab drawings; do \
		.venv/bin/python -m bench.load --idle 0 --seconds 20 --jobs $$jobs --pattern $$pattern || exit 1; done; done
	cd backend && .venv/bin/python -m bench.load
ifneq ($(HAS_FRONTEND),)
	cd frontend && npm run bench
endif

pretrained:  ## retrain the shipped models (~8 min each on 2 cores): AE-32-64-L16 on MNIST and Fashion-MNIST, VAEs (latent 16 and 2) and a denoising AE on MNIST, and the example sweep (latent 2-32 of a conv 16-32 AE, 1 epoch each, ~5 min)
	$(AEVP) train --dataset mnist --epochs 5 --pretrained
	$(AEVP) train --dataset fashion-mnist --epochs 5 --pretrained
	$(AEVP) train --dataset mnist --variant vae --epochs 5 --pretrained
	$(AEVP) train --dataset mnist --variant vae --latent-dim 2 --epochs 5 --pretrained
	$(AEVP) train --dataset mnist --variant denoising --epochs 5 --pretrained
	$(AEVP) train --dataset quickdraw --epochs 5 --pretrained
	$(AEVP) sweep --pretrained --id bottleneck --title "How big must the bottleneck be?" --dataset mnist \
		--filters 16,32 --epochs 1 --grid latent_dim=2,4,8,16,32

fuzz:  ## schema fuzzing of the REST API with many more cases than `make test`
	cd backend && AEVP_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest -q tests/service/test_fuzz.py

lint:
	cd backend && .venv/bin/ruff check aevp tests bench

up:
	docker compose up --build

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist
