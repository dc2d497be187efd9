#!/usr/bin/env python3
"""Writes Rampart's MITRE ATT&CK Enterprise list (Sources/RampartCore/Reports/Resources/attack-enterprise.tsv)
from a checkout of github.com/mitre/cti: every technique and sub-technique that is neither revoked nor
deprecated, with its name and tactics, and the tactics themselves. Only IDs, names and tactics are
kept (no descriptions), so the list is small enough to ship.

Usage: scripts/attack-techniques.py PATH-TO-mitre/cti-CHECKOUT [RELEASE-NAME]
"""
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "Sources/RampartCore/Reports/Resources/attack-enterprise.tsv"


def main():
    cti = pathlib.Path(sys.argv[1])
    release = sys.argv[2] if len(sys.argv) > 2 else "?"
    commit = subprocess.run(["git", "-C", str(cti), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip() or "?"

    def objects(folder, kind):
        for path in sorted((cti / "enterprise-attack" / folder).glob("*.json")):
            for item in json.loads(path.read_text())["objects"]:
                if item.get("type") == kind and not item.get("revoked") and not item.get("x_mitre_deprecated"):
                    yield item

    def attack_id(item):
        ids = [r["external_id"] for r in item.get("external_references", []) if r.get("source_name") == "mitre-attack"]
        return ids[0] if ids else None

    tactics = sorted((attack_id(t), t["x_mitre_shortname"], t["name"]) for t in objects("x-mitre-tactic", "x-mitre-tactic"))
    techniques = sorted(
        (attack_id(t), t["name"], ",".join(p["phase_name"] for p in t.get("kill_chain_phases", []) if p.get("kill_chain_name") == "mitre-attack"))
        for t in objects("attack-pattern", "attack-pattern")
        if attack_id(t)
    )
    lines = [
        f"# MITRE ATT&CK Enterprise {release}, from github.com/mitre/cti at {commit} (scripts/attack-techniques.py).",
        "# © The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE Corporation.",
        "# tactic\tID\tshort name\tname; technique\tID\tname\ttactics (short names, comma-separated)",
    ]
    lines += [f"tactic\t{i}\t{short}\t{name}" for i, short, name in tactics]
    lines += [f"technique\t{i}\t{name}\t{phases}" for i, name, phases in techniques]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print(f"{len(tactics)} tactics, {len(techniques)} techniques → {OUT.relative_to(ROOT)}")


main()
