# peer_unlearning.py: the PyTorch peer cases of FisherBench and UnlearningKernelsBench (imported by peer_cpu.py,
# which times them). Each case is (benchmark, case, fn, images per call or None, FLOP or None, bytes or None);
# "bytes" is the nominal traffic of one call as the JMH benchmark defines it, so GB/s compare across sides.
#   FisherBench (ResNet18 width 16, eval mode, the 512 hashed 1x28x28 images of HashedImages.java):
#     forwardBackward  batch 128: zero_grad, mean cross-entropy, backward;
#     batchMean        SSD's reference calc_importance: batch 64, zero_grad (set_to_none=False, as 1.13's
#                      optimizer.zero_grad), CE mean, backward, imp += grad.clone().pow(2); imp /= batches;
#     perSample        functorch vmap(grad) of the per-sample CE (batch 128), squares summed over the batch; / N.
#   UnlearningKernelsBench (the 11,173,962 parameters of a full-width CIFAR ResNet18, 3 channels, 10 classes):
#     ssdDampen        SSD's reference modify_weight (α = λ = 10, 2% selected; see UnlearningKernelsBench.java);
#     globalTopK       |w| of the conv weights concatenated, threshold, masks per tensor; two ways: kthvalue
#                      + (s > t), and torch.nn.utils.prune's L1Unstructured (topk(k, largest=False), zero those);
#     magnitudeScores  p.abs() for every parameter;  sgdMaskedStep  SGD step (foreach off, 1.13's default)
#                      then p.mul_(mask);  copy  dst.copy_(src) of N floats.
import torch
import torch.nn.functional as F

FISHER_IMAGES = 512
ALPHA, LAMBDA, SELECTED, SPARSITY = 10.0, 10.0, 0.02, 0.95


def hashed_images(n):
    """The images and labels of HashedImages.java: pixel k = ((k·2654435761) mod 2³²) >> 24, / 255."""
    k = torch.arange(n * 28 * 28, dtype=torch.int64)
    pixels = ((k * 2654435761) & 0xFFFFFFFF) >> 24
    x = pixels.to(torch.float32).div_(255).reshape(n, 1, 28, 28)
    i = torch.arange(n, dtype=torch.int64)
    y = (((i * 2246822519) & 0xFFFFFFFF) >> 16) % 10
    return x, y


def fisher_cases(resnet18w16):
    x, y = hashed_images(FISHER_IMAGES)
    model = resnet18w16().eval()
    case, n = "resnet18w16_1x28x28", FISHER_IMAGES
    b128, b64 = list(zip(x.split(128), y.split(128))), list(zip(x.split(64), y.split(64)))

    def forward_backward():
        for xb, yb in b128:
            model.zero_grad(set_to_none=True)
            F.cross_entropy(model(xb), yb).backward()
        model.zero_grad(set_to_none=True)

    yield "FisherBench.forwardBackward", case, forward_backward, n, None, None

    def reference_batch_mean():
        importances = {name: torch.zeros_like(p) for name, p in model.named_parameters()}
        for xb, yb in b64:
            model.zero_grad(set_to_none=False)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            for (_, p), (_, imp) in zip(model.named_parameters(), importances.items()):
                if p.grad is not None:
                    imp.data += p.grad.data.clone().pow(2)
        for imp in importances.values():
            imp.data /= float(len(b64))
        return importances

    yield "FisherBench.batchMean", case, reference_batch_mean, n, None, None

    from functorch import grad, make_functional_with_buffers, vmap
    fmodel, params, buffers = make_functional_with_buffers(model)
    params = tuple(p.detach() for p in params)

    def sample_loss(ps, bs, xi, yi):
        return F.cross_entropy(fmodel(ps, bs, xi.unsqueeze(0)), yi.unsqueeze(0))

    per_sample_grads = vmap(grad(sample_loss), in_dims=(None, None, 0, 0))

    def vmap_per_sample():
        fisher = [torch.zeros_like(p) for p in params]
        for xb, yb in b128:
            grads = per_sample_grads(params, buffers, xb, yb)
            with torch.no_grad():
                for acc, g in zip(fisher, grads):
                    acc += g.square().sum(0)
        for acc in fisher:
            acc /= n
        return fisher

    yield "FisherBench.perSample", case, vmap_per_sample, n, None, None


def kernel_cases(resnet18):
    torch.manual_seed(5)
    model = resnet18(10, 64, 3)
    named = list(model.named_parameters())
    params = [p for _, p in named]
    n = sum(p.numel() for p in params)
    case = "resnet18"

    imp_d = {name: torch.rand_like(p) for name, p in named}
    imp_f = {name: torch.rand_like(p) * imp_d[name] * (ALPHA / (1 - SELECTED)) for name, p in named}

    def modify_weight():  # SSD's ParameterPerturber.modify_weight, exponent 1, lower bound 1
        with torch.no_grad():
            for (_, p), (_, oimp), (_, fimp) in zip(model.named_parameters(), imp_d.items(), imp_f.items()):
                oimp_norm = oimp.mul(ALPHA)
                locations = torch.where(fimp > oimp_norm)
                weight = ((oimp.mul(LAMBDA)).div(fimp)).pow(1)
                update = weight[locations]
                min_locs = torch.where(update > 1)
                update[min_locs] = 1
                p[locations] = p[locations].mul(update)

    yield "UnlearningKernelsBench.ssdDampen", case, modify_weight, None, None, 16 * n

    scores = [p.detach().abs() for p in params if p.dim() == 4]
    sizes = [s.numel() for s in scores]
    nc = sum(sizes)
    prune = nc - round((1 - SPARSITY) * nc)

    def kthvalue_masks():
        t = torch.kthvalue(torch.cat([s.reshape(-1) for s in scores]), prune).values
        return [(s > t).float() for s in scores]

    yield "UnlearningKernelsBench.globalTopK", "resnet18:kthvalue", kthvalue_masks, None, None, 8 * nc

    def prune_topk_masks():  # torch.nn.utils.prune.global_unstructured with L1Unstructured
        flat = torch.cat([s.reshape(-1) for s in scores])
        mask = torch.ones_like(flat)
        mask[torch.topk(torch.abs(flat), prune, largest=False).indices] = 0
        return [m.view_as(s) for m, s in zip(torch.split(mask, sizes), scores)]

    yield "UnlearningKernelsBench.globalTopK", "resnet18:topk", prune_topk_masks, None, None, 8 * nc

    def magnitude():
        with torch.no_grad():
            return [p.abs() for p in params]

    yield "UnlearningKernelsBench.magnitudeScores", case, magnitude, None, None, 8 * n

    sgd_params = [p.detach().clone().requires_grad_(True) for p in params]  # the other cases keep dense θ
    opt = torch.optim.SGD(sgd_params, lr=0.01, momentum=0.9, weight_decay=5e-4)
    masks = [(torch.rand_like(p) > SPARSITY).float() for p in sgd_params]
    with torch.no_grad():
        for p, m in zip(sgd_params, masks):
            p.grad = torch.randn_like(p) * 1e-3
            p.mul_(m)

    def masked_sgd_step():
        opt.step()
        with torch.no_grad():
            for p, m in zip(sgd_params, masks):
                p.mul_(m)

    yield "UnlearningKernelsBench.sgdMaskedStep", case, masked_sgd_step, None, None, 24 * n

    src, dst = torch.randn(n), torch.empty(n)

    def copy():
        dst.copy_(src)

    yield "UnlearningKernelsBench.copy", case, copy, None, None, 8 * n
