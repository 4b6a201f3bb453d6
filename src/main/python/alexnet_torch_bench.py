#!/usr/bin/env python3
"""Fit and inference speed of the paper's AlexNet in PyTorch: the reference of 'alexnet bench'.

The same network as alexnet-spark builds: five convolutions (conv2, conv4 and conv5 split into two
towers with groups=2), ReLU, local response normalisation after conv1 and conv2, 3x3 stride-2 max
pooling after conv1, conv2 and conv5, FC6 and FC7 with dropout, FC8 with softmax cross-entropy,
trained by SGD with classic momentum and L2 weight decay. Random inputs (speed does not depend on
pixel values). Prints one JSON object on stdout.

Refuses to measure (exit 3) when torch's matrix multiply does not run on OpenBLAS: Debian's
python3-torch takes whichever libblas.so.3 the alternatives system selects, and the reference
BLAS would make the comparison meaningless.
"""
import argparse
import json
import sys
import time


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--input-size", type=int, default=227)
    p.add_argument("--widths", default="96,256,384,384,256", help="five conv widths")
    p.add_argument("--fc-width", type=int, default=4096)
    p.add_argument("--classes", type=int, default=1000)
    p.add_argument("--lrn", default="2,5,0.0001,0.75", help="k,n,alpha,beta (paper's formula)")
    p.add_argument("--dropout", type=float, default=0.5)
    p.add_argument("--learning-rate", type=float, default=0.01)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=0.0005)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1,
                   help="unmeasured minibatches before each measurement (at least 1)")
    return p.parse_args()


def blas_library():
    """The BLAS shared object this process mapped (after a matmul has run), or None."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "/" in line}
    for path in sorted(paths):
        if "openblas" in path.lower():
            return path
    for path in sorted(paths):
        name = path.rsplit("/", 1)[-1]
        if name.startswith("libblas") or name.startswith("libmkl") or name.startswith("libblis"):
            return path
    return None


def network(torch, a):
    nn = torch.nn
    w = [int(x) for x in a.widths.split(",")]
    k, n, alpha, beta = (float(x) for x in a.lrn.split(","))
    # torch divides alpha by n; the paper (and DL4J, and this project) does not.
    lrn = lambda: nn.LocalResponseNorm(int(n), alpha=alpha * n, beta=beta, k=k)
    pool = lambda: nn.MaxPool2d(3, 2)
    features = nn.Sequential(
        nn.Conv2d(3, w[0], 11, stride=4), nn.ReLU(inplace=True), lrn(), pool(),
        nn.Conv2d(w[0], w[1], 5, padding=2, groups=2), nn.ReLU(inplace=True), lrn(), pool(),
        nn.Conv2d(w[1], w[2], 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(w[2], w[3], 3, padding=1, groups=2), nn.ReLU(inplace=True),
        nn.Conv2d(w[3], w[4], 3, padding=1, groups=2), nn.ReLU(inplace=True), pool())
    with torch.no_grad():
        flat = features(torch.zeros(1, 3, a.input_size, a.input_size)).numel()
    model = nn.Sequential(
        features, nn.Flatten(),
        nn.Linear(flat, a.fc_width), nn.ReLU(inplace=True), nn.Dropout(a.dropout),
        nn.Linear(a.fc_width, a.fc_width), nn.ReLU(inplace=True), nn.Dropout(a.dropout),
        nn.Linear(a.fc_width, a.classes))
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.normal_(m.weight, 0, 0.01)
            nn.init.zeros_(m.bias)
    return model


def main():
    a = parse()
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    x = torch.randn(256, 256)
    (x @ x).sum().item()
    blas = blas_library()
    if blas is None or "openblas" not in blas.lower():
        print(json.dumps({"error": "torch's matrix multiply does not run on OpenBLAS (mapped: %s); "
                          "select it with update-alternatives --config libblas.so.3-x86_64-linux-gnu"
                          % blas}))
        return 3
    model = network(torch, a)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.SGD(model.parameters(), lr=a.learning_rate, momentum=a.momentum,
                          weight_decay=a.weight_decay)
    loss_fn = torch.nn.CrossEntropyLoss()
    images = torch.rand(a.batch, 3, a.input_size, a.input_size) * 255
    labels = torch.randint(0, a.classes, (a.batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(images), labels)
        loss.backward()
        opt.step()

    model.train()
    for _ in range(max(1, a.warmup)):
        step()
    start = time.perf_counter()
    for _ in range(a.iterations):
        step()
    fit = a.batch * a.iterations / (time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        for _ in range(max(1, a.warmup)):
            model(images)
        start = time.perf_counter()
        for _ in range(a.iterations):
            model(images)
        inference = a.batch * a.iterations / (time.perf_counter() - start)
    print(json.dumps({"torch": torch.__version__, "blas": blas, "threads": torch.get_num_threads(),
                      "parameters": params, "fit_images_per_second": fit,
                      "inference_images_per_second": inference}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
