# Per (N, B, U) point: spin-temperature fit (Eq. 18), fluctuations of P_n, KL divergence
# (Eq. 27) and the perturbative expansion (Eqs. 20-25).


rule fit_spin_temperature:
    input:
        unpack(realization_files),
    output:
        paths.pattern("point", analysis="fit"),
    log:
        paths.log("fit_spin_temperature", "point"),
    benchmark:
        paths.benchmark("fit_spin_temperature", "point")
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
        paths.pattern("point", analysis="fluctuations"),
    log:
        paths.log("fluctuations", "point"),
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
        fit=paths.pattern("point", analysis="fit"),
    output:
        paths.pattern("point", analysis="kl"),
    log:
        paths.log("kl_divergence", "point"),
    benchmark:
        paths.benchmark("kl_divergence", "point")
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
        paths.pattern("point", analysis="pe"),
    log:
        paths.log("perturbative_expansion", "point"),
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
