"""The scenario the report tests run: two hospitals and a scanner, with an overflow variant."""

SCENARIO = """
version: 1
name: Two hospitals and a scanner
description: A small emergency department whose admitted patients may overflow to a partner clinic.
sources: ["invented for the tests"]
run: {horizon: 7d, warmup: 1d, replications: 3, seed: 5, start: 2026-01-05}
sites:
  a:
    name: Hospital A
    location: [50.72, 3.16]
    resources:
      doctor: {capacity: 2, schedule: [{days: mon-fri, from: "08:00", to: "18:00", capacity: 3}]}
      box: 8
      bed: 10
      mri: {calendar: {slot: 30min, scanners: 1, open: {mon-fri: "08:00-18:00"}}}
  b: {name: Clinic B, sector: private, location: [50.63, 3.06], resources: {bed: 12}}
transport: {handover: 15min}
arrivals:
  - {name: ed, at: a, rate: 3/h, attributes: {acuity: {1: 0.3, 2: 0.7}}, pathway: visit}
  - {name: scan, at: a, rate: 10/d, weekly: [1, 1, 1, 1, 1, 0, 0], pathway: imaging}
pathways:
  visit:
    - use: box
      name: cubicle
      during:
        - {use: doctor, name: exam, priority: acuity, for: {exponential: {mean: 25min}}, patience: {exponential: {mean: 3h}}}
        - delay: {exponential: {mean: 60min}}
    - branch:
        - {p: 0.2, steps: [{use: bed, name: admission, for: {lognormal: {mean: 1d, sd: 12h}}}]}
        - otherwise: []
  imaging:
    - {book: mri, name: mri_access, for: 30min}
variants:
  base: {}
  overflow:
    cooperation: [{overflow: {resource: bed, from: a, to: [b], when: full}}]
    sites.a.resources.doctor.capacity: 3
baseline: base
targets:
  - {wait: exam, within: 30min}
  - {wait: mri_access, within: 2d}
  - {occupancy: bed, below: 0.85}
"""
