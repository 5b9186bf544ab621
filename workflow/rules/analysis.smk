# Per (N, B, U) point: spin-temperature fit (Eq. 18), fluctuations of P_n, KL divergence
# (Eq. 27) and the perturbative expansion (Eqs. 20-25).


rule fit_spin_temperature:
    input:
        unpack(realization_files),
    output:
        "results/points/{model}/N{n}/B{b}/U{u}/fit.parquet",
    log:
        "logs/fit_spin_temperature/{model}/N{n}/B{b}/U{u}.log",
    benchmark:
        "benchmarks/fit_spin_temperature/{model}/N{n}/B{b}/U{u}.tsv"
    conda:
        "../../envs/physics.yaml"
    threads: 1
    resources:
        mem_mb=point_mem_mb,
        runtime=60,
    params:
        source=SOURCE,
        error_offsets=error_offsets,
        resamples=config["analysis"]["bootstrap_resamples"],
        seed=config["seed"],
    script:
        "../scripts/fit_spin_temperature.py"


rule fluctuations:
    input:
        unpack(realization_files),
    output:
        "results/points/{model}/N{n}/B{b}/U{u}/fluctuations.parquet",
    log:
        "logs/fluctuations/{model}/N{n}/B{b}/U{u}.log",
    conda:
        "../../envs/physics.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        source=SOURCE,
        resamples=config["analysis"]["bootstrap_resamples"],
        seed=config["seed"],
    script:
        "../scripts/fluctuations.py"


rule kl_divergence:
    input:
        unpack(realization_files),
        fit="results/points/{model}/N{n}/B{b}/U{u}/fit.parquet",
    output:
        "results/points/{model}/N{n}/B{b}/U{u}/kl.parquet",
    log:
        "logs/kl_divergence/{model}/N{n}/B{b}/U{u}.log",
    benchmark:
        "benchmarks/kl_divergence/{model}/N{n}/B{b}/U{u}.tsv"
    conda:
        "../../envs/physics.yaml"
    threads: 1
    resources:
        mem_mb=point_mem_mb,
        runtime=60,
    params:
        source=SOURCE,
        error_offsets=error_offsets,
        resamples=config["analysis"]["bootstrap_resamples"],
        seed=config["seed"],
    script:
        "../scripts/kl_divergence.py"


rule perturbative_expansion:
    output:
        "results/points/{model}/N{n}/B{b}/U{u}/pe.parquet",
    log:
        "logs/perturbative_expansion/{model}/N{n}/B{b}/U{u}.log",
    conda:
        "../../envs/physics.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=20,
    params:
        source=SOURCE,
        physics=model_params,
        offsets=point_offsets,
    script:
        "../scripts/perturbative_expansion.py"
