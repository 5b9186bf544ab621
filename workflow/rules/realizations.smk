# Per realization of a model (paper, the config's physics, or a variant under models):
# exact diagonalization, transition strengths and the stationary states at every microwave
# frequency the config asks of that (B, U) point. realization_jobs:
# combined (the default) runs them in one job; split runs them as two jobs of one group,
# the operators (250 MB at N = 12) passing through a temporary file: 16 % slower at N = 12
# on 2 cores, and on a GPU the file and the second start-up would dominate the compute.

if config["realization_jobs"] == "split":

    rule exact_diagonalization:
        output:
            operators=temp("results/operators/{model}/N{n}/B{b}/U{u}/r{r}.npz"),
        log:
            "logs/exact_diagonalization/{model}/N{n}/B{b}/U{u}/r{r}.log",
        benchmark:
            "benchmarks/exact_diagonalization/{model}/N{n}/B{b}/U{u}/r{r}.tsv"
        group:
            "realization"
        conda:
            PHYSICS_ENV
        threads: config["threads"]
        resources:
            mem_mb=ed_mem_mb,
            runtime=ed_runtime,
            gpu=GPUS_PER_JOB,
        params:
            source=SOURCE,
            physics=model_params,
            seed=config["seed"],
            backend=config["backend"],
        script:
            "../scripts/exact_diagonalization.py"

    rule steady_state:
        input:
            operators="results/operators/{model}/N{n}/B{b}/U{u}/r{r}.npz",
        output:
            table="results/realizations/{model}/N{n}/B{b}/U{u}/r{r}.parquet",
            states="results/realizations/{model}/N{n}/B{b}/U{u}/r{r}.states.parquet",
        log:
            "logs/steady_state/{model}/N{n}/B{b}/U{u}/r{r}.log",
        benchmark:
            "benchmarks/steady_state/{model}/N{n}/B{b}/U{u}/r{r}.tsv"
        # Consume each temporary operator file as soon as it exists (250 MB at N = 12).
        priority: 10
        group:
            "realization"
        conda:
            PHYSICS_ENV
        threads: config["threads"]
        resources:
            mem_mb=steady_mem_mb,
            runtime=steady_runtime,
            gpu=GPUS_PER_JOB,
        params:
            source=SOURCE,
            physics=model_params,
            offsets=point_offsets,
            seed=config["seed"],
            backend=config["backend"],
            stationary_solver=config["stationary_solver"],
        script:
            "../scripts/steady_state.py"

else:

    rule realization:
        output:
            table="results/realizations/{model}/N{n}/B{b}/U{u}/r{r}.parquet",
            states="results/realizations/{model}/N{n}/B{b}/U{u}/r{r}.states.parquet",
        log:
            "logs/realization/{model}/N{n}/B{b}/U{u}/r{r}.log",
        benchmark:
            "benchmarks/realization/{model}/N{n}/B{b}/U{u}/r{r}.tsv"
        group:
            "realization"
        conda:
            PHYSICS_ENV
        threads: config["threads"]
        resources:
            mem_mb=realization_mem_mb,
            runtime=realization_runtime,
            gpu=GPUS_PER_JOB,
        params:
            source=SOURCE,
            physics=model_params,
            offsets=point_offsets,
            seed=config["seed"],
            backend=config["backend"],
            stationary_solver=config["stationary_solver"],
        script:
            "../scripts/realization.py"
