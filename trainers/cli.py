"""`passk train grpo|ppo --config FILE [key=value ...]`: registered into passk's CLI as a plugin,
so passk itself never imports trainers."""

from __future__ import annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser("train", help="train with GRPO or PPO, baseline or entropy advantage")
    parser.add_argument("algorithm", choices=["grpo", "ppo"])
    parser.add_argument("--config", help="TOML or JSON file of trainers.config.TrainConfig keys")
    parser.add_argument("--quiet", action="store_true")
    parser.epilog = "Trailing key=value arguments override the config, for example: advantage=entropy steps=200"
    parser.set_defaults(func=run, takes_overrides=True, overrides=[])


def run(args) -> int:
    from trainers.config import load_config
    from trainers.loop import train

    config = load_config(args.config, args.overrides, algorithm=args.algorithm)
    checkpoint = train(config, progress=not args.quiet)
    print(f"trained {config.steps} steps; final checkpoint {checkpoint} (load it with `passk run --model {checkpoint}`)")
    return 0
