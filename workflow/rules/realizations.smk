# Per realization: exact diagonalization and transition strengths (bulky, temporary), then
# the stationary states at every microwave frequency the config asks of that (B, U) point.
# Both rules share a group, so a cluster runs them together on one node.


rule exact_diagonalization:
    output:
        operators=temp("results/operators/N{n}/B{b}/U{u}/r{r}.npz"),
    log:
        "logs/exact_diagonalization/N{n}/B{b}/U{u}/r{r}.log",
    benchmark:
        "benchmarks/exact_diagonalization/N{n}/B{b}/U{u}/r{r}.tsv"
    group:
        "realization"
    conda:
        "../../envs/physics.yaml"
    threads: config["threads"]
    resources:
        mem_mb=ed_mem_mb,
        runtime=ed_runtime,
    params:
        physics=physics_params(),
        seed=config["seed"],
    script:
        "../scripts/exact_diagonalization.py"


rule steady_state:
    input:
        operators="results/operators/N{n}/B{b}/U{u}/r{r}.npz",
    output:
        table="results/realizations/N{n}/B{b}/U{u}/r{r}.parquet",
        states="results/realizations/N{n}/B{b}/U{u}/r{r}.states.parquet",
    log:
        "logs/steady_state/N{n}/B{b}/U{u}/r{r}.log",
    benchmark:
        "benchmarks/steady_state/N{n}/B{b}/U{u}/r{r}.tsv"
    # Consume each temporary operator file as soon as it exists (250 MB at N = 12).
    priority: 10
    group:
        "realization"
    conda:
        "../../envs/physics.yaml"
    threads: config["threads"]
    resources:
        mem_mb=steady_mem_mb,
        runtime=steady_runtime,
    params:
        offsets=point_offsets,
        seed=config["seed"],
    script:
        "../scripts/steady_state.py"
