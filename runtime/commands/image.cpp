// image import | ls | rm (and `images`, Docker's short form of image ls).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "runtime/commands/context.h"
#include "runtime/container/clock.h"
#include "runtime/container/id.h"

namespace berth::runtime::cli {
namespace {

std::string human_size(int64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = double(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) v /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.3g%s" : "%.0f%s", v, units[u]);
  return buf;
}

void list_images(Context& ctx, bool quiet) {
  auto images = ctx.rt().images.list();
  if (!images) return ctx.report(images.error());
  if (!quiet)
    std::printf("%-30s %-12s %-14s %-16s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
  double now = now_seconds();
  for (const auto& img : *images) {
    if (quiet) {
      std::printf("%s\n", short_id(img.id).c_str());
      continue;
    }
    auto created = parse_rfc3339(img.created);
    std::string ago = human_duration(created ? now - *created : 0) + " ago";
    std::printf("%-30s %-12s %-14s %-16s %s\n", img.ref.name.c_str(), img.ref.tag.c_str(),
                short_id(img.id).c_str(), ago.c_str(), human_size(img.size).c_str());
  }
}

}  // namespace

void add_image_commands(CLI::App& app, Context& ctx) {
  auto* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(1);

  static std::string source, name;
  auto* import = image->add_subcommand(
      "import", "Create an image from a tarball (docker export) or a directory");
  import->add_option("SOURCE", source, "Tar file, - for stdin, or a directory")->required();
  import->add_option("NAME", name, "Image name[:tag]")->required();
  import->callback([&ctx] {
    auto ref = parse_image_ref(name);
  if (!ref) return ctx.report(ref.error());
  auto img = ctx.rt().images.import(source, *ref);
  if (!img) return ctx.report(img.error());
  std::printf("%s\n", img->id.c_str());
});

static bool quiet = false;
auto* ls = image->add_subcommand("ls", "List images");
ls->add_flag("-q,--quiet", quiet, "Only IDs");
ls->callback([&ctx] { list_images(ctx, quiet); });
auto* images = app.add_subcommand("images", "List images (image ls)");
images->add_flag("-q,--quiet", quiet, "Only IDs");
images->callback([&ctx] { list_images(ctx, quiet); });

static std::vector<std::string> refs;
static bool force = false;
auto* rm = image->add_subcommand("rm", "Remove images no container uses");
rm->add_option("IMAGE", refs, "Image name[:tag]")->required();
rm->add_flag("-f,--force", force, "Remove even if containers were created from it");
rm->callback([&ctx] {
  auto& rt = ctx.rt();
  for (const auto& r : refs) {
    auto ref = parse_image_ref(r);
    if (!ref) {
      ctx.report(ref.error());
      continue;
    }
    if (!force) {
      std::string user;
      if (auto all = rt.store.list())
        for (const auto& c : *all)
          if (c.config.image == ref->str()) user = c.name;
      if (!user.empty()) {
        ctx.report({Code::kInvalidConfig,
                    "image `" + ref->str() + "` is used by container `" + user + "`",
                    "remove the container first, or use image rm -f"});
        continue;
      }
    }
    if (auto res = rt.images.remove(*ref); !res)
      ctx.report(res.error());
    else
      std::printf("Deleted: %s\n", ref->str().c_str());
  }
});
}  // namespace berth::runtime::cli

}  // namespace berth::runtime::cli
