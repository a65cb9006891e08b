"""Write demo_panel.csv: a synthetic panel of 30 Chinese provinces, 2011-2022, for the default study.

Not official statistics. The controls of the paper's two equations are drawn around each province's
approximate population, GDP per capita and R&D intensity (about 2020, used only for scale) with a
yearly trend, a persistent province effect and yearly noise. Two latent levels, new quality
productivity and manufacturing upgrading, then follow the paper's two equations (section 3.1.2) with
the coefficients below, and every Table 4 indicator is drawn around the latent level of its index.
The constants are calibrated so that the entropy indices of paper_study.toml rise over 2011-2022 as in
the paper's Figure 1 (manufacturing more slowly, with a fall in 2021), the controls have the magnitudes
of its Table 3, and the two cross effects have its signs; README.md gives what the committed file shows.
Run: python -m analysis.examples.make_demo_panel
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240531
YEARS = range(2011, 2023)
MID_YEAR = 2016.5
OUTPUT = Path(__file__).with_name("demo_panel.csv")

# province: (NBS region, population in millions, GDP per capita in 10,000 yuan, R&D intensity in %), about 2020;
# the R&D intensities are the 2020 values of china_rd/china_rd_panel_30prov_2011_2022.csv
PROVINCES = {
    "Beijing": ("East", 21.9, 16.5, 6.44), "Tianjin": ("East", 13.9, 10.2, 3.44), "Hebei": ("East", 74.6, 4.9, 1.75),
    "Shanghai": ("East", 24.9, 15.6, 4.17), "Jiangsu": ("East", 84.7, 12.1, 2.93), "Zhejiang": ("East", 64.6, 10.0, 2.88),
    "Fujian": ("East", 41.5, 10.5, 1.92), "Shandong": ("East", 101.5, 7.2, 2.30), "Guangdong": ("East", 126.0, 8.8, 3.14),
    "Hainan": ("East", 10.1, 5.6, 0.66),
    "Shanxi": ("Central", 34.9, 5.1, 1.20), "Anhui": ("Central", 61.0, 6.3, 2.28), "Jiangxi": ("Central", 45.2, 5.7, 1.68),
    "Henan": ("Central", 99.4, 5.5, 1.64), "Hubei": ("Central", 57.8, 7.4, 2.31), "Hunan": ("Central", 66.4, 6.3, 2.15),
    "Inner Mongolia": ("West", 24.0, 7.2, 0.93), "Guangxi": ("West", 50.1, 4.4, 0.78), "Chongqing": ("West", 32.1, 7.8, 2.11),
    "Sichuan": ("West", 83.7, 5.8, 2.17), "Guizhou": ("West", 38.6, 4.6, 0.91), "Yunnan": ("West", 47.2, 5.2, 1.00),
    "Shaanxi": ("West", 39.5, 6.6, 2.42), "Gansu": ("West", 25.0, 3.6, 1.22), "Qinghai": ("West", 5.9, 5.1, 0.71),
    "Ningxia": ("West", 7.2, 5.5, 1.52), "Xinjiang": ("West", 25.9, 5.3, 0.45),
    "Liaoning": ("Northeast", 42.6, 5.9, 2.19), "Jilin": ("Northeast", 24.1, 5.1, 1.30),
    "Heilongjiang": ("Northeast", 31.9, 4.3, 1.26),
}
REFERENCE_POPULATION, REFERENCE_GDP_PER_CAPITA, REFERENCE_RD_INTENSITY = 40.0, 6.0, 2.0


@dataclass(frozen=True)
class Series:
    """log(value/level) = size*log(pop/40) + development*log(GDP per capita/6) + innovation*log(R&D intensity/2)
    + latent*(latent level of its index) + trend*(year-2016.5) + province effect + noise;
    a bounded series (scale given) models logit(value/scale) the same way."""

    column: str
    level: float  # a province of 40 million people, 60,000 yuan per head, 2% R&D intensity, average latent, mid-2016
    size: float = 0.0
    development: float = 0.0
    innovation: float = 0.0
    latent: float = 0.0
    trend: float = 0.0
    spread: float = 0.15  # sd of the persistent province effect
    noise: float = 0.05  # sd of the yearly noise
    scale: float | None = None  # bounded in (0, scale): a share of 1 or 100
    digits: int = 4  # significant digits written
    count: bool = False  # a number of things, written as a whole number


# Controls of the two equations, magnitudes as in the paper's Table 3; units in README.md
CONTROLS = (
    Series("education", 2500, development=0.5, trend=0.035, spread=0.2, noise=0.03),
    Series("research", 1600000, size=0.95, development=2.0, innovation=0.6, trend=0.09, spread=0.2, noise=0.04, digits=5),
    Series("patent", 26000, size=1.15, development=2.2, innovation=0.7, trend=0.11, spread=0.2, noise=0.06, count=True),
    Series("creativity", 6000, size=1.5, development=2.6, innovation=1.2, trend=0.08, spread=0.45, noise=0.06, count=True),
    Series("information", 700, size=1.5, development=1.6, trend=0.05, spread=0.55, noise=0.06),
    Series("green", 0.18, development=1.0, trend=0.12, spread=0.5, noise=0.15, scale=1),
    Series("efficiency", 0.011, development=-0.6, trend=-0.02, spread=0.4, noise=0.12, digits=3),
)
LOGGED = ("education", "research", "patent", "creativity", "information")  # the controls under ln() in the equations

# The latent levels solve the paper's two equations with these coefficients (on ln of the LOGGED controls)
EQUATIONS = {
    "productivity": {"education": -0.10, "research": 0.30, "patent": 0.20, "manufacture": 0.50},
    "manufacture": {"creativity": 0.10, "information": 0.15, "green": 1.0, "efficiency": -15.0, "productivity": 0.40},
}
LATENT_SPREAD, LATENT_NOISE = 0.3, 0.1  # sd of each equation's error across provinces and within a province
LATENT_TRENDS = {"productivity": 0.04, "manufacture": -0.08}  # yearly drift the controls do not explain
LATENT_SHOCKS = {"productivity": {}, "manufacture": {2021: -0.3}}

# Table 4 indicators of new quality productivity that are not controls; `latent` ties them to its latent level
PRODUCTIVITY_INDICATORS = (
    # Laborer
    Series("gov_science_expenditure", 120, size=0.4, development=0.5, innovation=0.3, latent=1, spread=0.25),
    Series("gov_education_expenditure", 900, size=0.6, development=0.3, latent=0.4, spread=0.2),
    Series("rd_personnel", 90000, size=0.4, development=0.4, innovation=0.4, latent=1.1, spread=0.25, count=True),
    Series("persons_educated", 110, size=0.8, latent=0.3, spread=0.25),
    Series("gdp_per_capita", 50000, development=1.0, trend=0.06, spread=0.03, noise=0.02, digits=5),
    Series("average_wage", 70000, development=0.45, trend=0.055, spread=0.05, noise=0.02, digits=5),
    Series("tertiary_share", 48, development=1.2, trend=0.05, spread=0.2, noise=0.03, scale=100, digits=3),
    # Labor object
    Series("green_coverage", 39.5, development=0.3, trend=0.03, spread=0.1, noise=0.05, scale=100, digits=3),
    Series("green_space_per_capita", 13.5, development=0.1, trend=0.025, spread=0.15, noise=0.04, digits=3),
    Series("harmless_treatment_capacity", 20000, size=0.6, development=0.3, latent=0.6, spread=0.3, noise=0.08),
    Series("sanitation_vehicles", 8000, size=0.6, development=0.4, latent=0.7, spread=0.3, noise=0.06, count=True),
    Series("garbage_treatment_plants", 25, size=0.6, latent=0.4, spread=0.25, noise=0.1, count=True),
    Series("pollution_treatment_investment", 200000, size=0.7, latent=0.3, trend=-0.05, spread=0.3, noise=0.45),
    Series("solid_waste_utilization", 6000, size=0.9, development=-0.2, spread=0.4, noise=0.15),
    Series("so2_per_gdp", 12, development=-1.5, trend=-0.28, spread=0.4, noise=0.1),
    Series("sewage_treatment_capacity", 500, size=0.6, development=0.4, latent=0.6, spread=0.3, noise=0.04),
    # Means of production (patent and research are controls)
    Series("road_length", 9000, size=0.6, development=0.3, latent=0.6, spread=0.3, noise=0.04),
    Series("road_area_per_capita", 16, development=0.3, trend=0.03, spread=0.15, noise=0.04, digits=3),
    Series("broadband_ports", 1800, size=0.5, development=0.3, latent=0.8, spread=0.25, noise=0.05),
    Series("broadband_users", 900, size=0.6, development=0.3, latent=0.7, spread=0.25, noise=0.04),
)

# The other Table 4 indicators of manufacturing upgrading, tied to its latent level (fiber_optic_length serves both)
MANUFACTURE_INDICATORS = (
    Series("fiber_optic_length", 30000, size=0.8, development=-0.3, latent=0.8, spread=0.5, noise=0.08),
    Series("new_product_sales_share", 16, innovation=0.3, latent=1.0, spread=0.2, noise=0.08, scale=100, digits=3),
    Series("electricity_per_output", 1000, development=-0.6, latent=-0.4, trend=-0.02, spread=0.35, noise=0.05),
    Series("so2_per_output", 30, development=-1.0, latent=-0.5, trend=-0.2, spread=0.5, noise=0.1),
    Series("coal_per_output", 1.3, development=-0.8, latent=-0.4, trend=-0.03, spread=0.4, noise=0.06),
    Series("labor_productivity", 30, development=0.3, latent=0.7, spread=0.2, noise=0.05),
    Series("main_business_profitability", 6.5, latent=0.6, spread=0.25, noise=0.1, scale=100, digits=3),
    Series("industry_share", 36, development=-0.1, latent=0.3, trend=-0.04, spread=0.25, noise=0.03, scale=100, digits=3),
)


def generate(seed: int = SEED) -> pd.DataFrame:
    """The demonstration panel: keys, controls, then the other Table 4 indicators."""
    rng = np.random.default_rng(seed)
    names, years = list(PROVINCES), np.array(YEARS)
    attributes = np.array([p[1:] for p in PROVINCES.values()])
    size, development, innovation = np.log(attributes / [REFERENCE_POPULATION, REFERENCE_GDP_PER_CAPITA,
                                                          REFERENCE_RD_INTENSITY]).T
    frame = pd.DataFrame({
        "province": np.repeat(names, len(years)),
        "region": np.repeat([p[0] for p in PROVINCES.values()], len(years)),
        "year": np.tile(years, len(names)),
    })

    def draw(s: Series, latent: np.ndarray | float = 0.0) -> None:
        province_effect = rng.normal(0, s.spread, (len(names), 1))
        noise = rng.normal(0, s.noise, (len(names), len(years)))
        fixed = (s.size * size + s.development * development + s.innovation * innovation)[:, None]
        log_ratio = fixed + s.latent * latent + s.trend * (years - MID_YEAR) + province_effect + noise
        values = _value(s, log_ratio).ravel()
        frame[s.column] = np.round(values).astype(np.int64) if s.count else _significant(values, s.digits)

    for s in CONTROLS:
        draw(s)
    productivity, manufacture = _latent_levels(frame, rng, (len(names), len(years)))
    for s in PRODUCTIVITY_INDICATORS:
        draw(s, productivity)
    for s in MANUFACTURE_INDICATORS:
        draw(s, manufacture)
    return frame


def _latent_levels(frame: pd.DataFrame, rng: np.random.Generator, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Solve P = a.x + a_m*M + e, M = b.z + b_p*P + u for P and M, standardised to mean 0 and sd 1."""
    def exogenous_part(name: str) -> np.ndarray:
        drivers = sum(c * _regressor(frame, column) for column, c in EQUATIONS[name].items() if column not in EQUATIONS)
        drift = np.array([LATENT_TRENDS[name] * (y - MID_YEAR) + LATENT_SHOCKS[name].get(y, 0.0) for y in YEARS])
        return drivers.reshape(shape) + drift + rng.normal(0, LATENT_SPREAD, (shape[0], 1)) + rng.normal(0, LATENT_NOISE, shape)

    own_p, own_m = exogenous_part("productivity"), exogenous_part("manufacture")
    a, b = EQUATIONS["productivity"]["manufacture"], EQUATIONS["manufacture"]["productivity"]
    productivity = (own_p + a * own_m) / (1 - a * b)
    manufacture = (own_m + b * own_p) / (1 - a * b)
    return (productivity - productivity.mean()) / productivity.std(), (manufacture - manufacture.mean()) / manufacture.std()


def _regressor(frame: pd.DataFrame, column: str) -> np.ndarray:
    values = frame[column].to_numpy(dtype=float)
    return np.log(values) if column in LOGGED else values


def _value(s: Series, log_ratio: np.ndarray) -> np.ndarray:
    if s.scale is None:
        return s.level * np.exp(log_ratio)
    base = np.log(s.level / (s.scale - s.level))
    return s.scale / (1 + np.exp(-(base + log_ratio)))


def _significant(values: np.ndarray, digits: int) -> np.ndarray:
    """Rounded to `digits` significant digits; whole numbers come back as integers."""
    shift = digits - 1 - np.floor(np.log10(np.abs(values))).astype(int)
    up, down = 10.0 ** np.maximum(shift, 0), 10.0 ** np.maximum(-shift, 0)
    rounded = np.round(values * up / down) * down / up
    return rounded.astype(np.int64) if (shift <= 0).all() else rounded


def write(path: Path = OUTPUT, seed: int = SEED) -> Path:
    generate(seed).to_csv(path, index=False, lineterminator="\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUTPUT, help="where to write the CSV (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    print(write(args.out, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
