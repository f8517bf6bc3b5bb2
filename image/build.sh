#!/usr/bin/env bash
# The appliance image recipe. `cargo xtask image` drives it; each step can also be run alone:
#
#   build.sh base    BASE.tar                      Debian bookworm, minimal, with kernel and systemd
#   build.sh rootfs  BASE.tar ROOTFS BINARY VERSION  base + comanda + this folder's overlay
#   build.sh rootimg ROOTFS ROOT.ext4               the root filesystem (also the update file)
#   build.sh disk    ROOTFS ROOT.ext4 DISK.raw      GPT: ESP (systemd-boot), root A, root B, data
#
# Nothing is loop-mounted (this also runs where the kernel has no vfat): each filesystem is
# built as a file (mkfs.ext4 -d, mkfs.vfat + mcopy) and systemd-repart copies them into place.
# SOURCE_DATE_EPOCH fixes every timestamp, UUID and seed, so the same inputs give the same bytes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${SOURCE_DATE_EPOCH:=1764547200}"
export SOURCE_DATE_EPOCH
# e2fsprogs reads this for every timestamp it writes.
export E2FSPROGS_FAKE_TIME="$SOURCE_DATE_EPOCH"

# The sizes of the layout. Root partitions hold one whole system each (≈ 560 MiB today), with
# room to grow; the data partition starts small and systemd-repart grows it to fill the disk
# on first boot.
ESP_MIB=256
ROOT_MIB=1024
DATA_MIB=64

# Fixed identifiers derived from nothing secret: the same for every build of the same inputs.
uuid_for() { # name -> a UUID made from SOURCE_DATE_EPOCH and the name
    local h
    h="$(printf '%s-%s' "$SOURCE_DATE_EPOCH" "$1" | sha256sum)"
    printf '%s-%s-4%s-8%s-%s\n' "${h:0:8}" "${h:8:4}" "${h:13:3}" "${h:17:3}" "${h:20:12}"
}

# Kernel modules a restaurant box never loads (sound, graphics, cameras, Wi-Fi and Bluetooth
# radios, HPC fabrics): ≈ 180 MiB of the rootfs. Ethernet, USB, storage and serial stay.
EXCLUDED_MODULES=(
    kernel/sound kernel/drivers/gpu kernel/drivers/media kernel/drivers/infiniband
    kernel/drivers/staging kernel/drivers/net/wireless kernel/drivers/bluetooth kernel/drivers/isdn
    kernel/net/bluetooth kernel/net/mac80211 kernel/net/wireless kernel/drivers/iio
)

base() {
    local out="$1" excludes=() m
    for m in "${EXCLUDED_MODULES[@]}"; do
        # bookworm's packages ship /lib/modules (a symlink to /usr/lib/modules): dpkg matches
        # the packaged path.
        excludes+=("--dpkgopt=path-exclude=/lib/modules/*/$m/*" "--dpkgopt=path-exclude=/usr/lib/modules/*/$m/*")
    done
    mmdebstrap --mode=root --variant=minbase \
        --include=systemd-sysv,udev,linux-image-amd64,initramfs-tools,systemd-boot,dbus,e2fsprogs,dosfstools,iproute2,kmod,ca-certificates \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
        "${excludes[@]}" \
        --customize-hook='rm -f "$1"/etc/machine-id "$1"/var/lib/dbus/machine-id; touch "$1"/etc/machine-id' \
        --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/log/*.log' \
        bookworm "$out"
}

rootfs() {
    local base="$1" root="$2" binary="$3" version="$4"
    rm -rf "$root"
    mkdir -p "$root"
    tar -C "$root" -xpf "$base"
    # The overlay: config, network, fstab, repart.d, units of the image.
    cp -a "$here/overlay/." "$root/"
    install -D -m 0755 "$binary" "$root/usr/bin/comanda"
    install -d "$root/usr/lib/comanda"
    printf '%s\n' "$version" >"$root/usr/lib/comanda/version"
    local unit
    for unit in "$here"/../systemd/*.service "$here"/../systemd/*.timer "$here"/../systemd/*.path; do
        [[ -e "$unit" ]] && install -m 0644 "$unit" "$root/etc/systemd/system/"
    done
    install -D -m 0644 "$here/../systemd/comanda.toml" "$root/etc/comanda/comanda.toml"
    install -D -m 0644 "$here/../systemd/comanda.sysusers" "$root/usr/lib/sysusers.d/comanda.conf"
    # The user exists from the first boot on, with a fixed id (sysusers also runs at boot).
    systemd-sysusers --root="$root" >/dev/null
    printf 'comanda\n' >"$root/etc/hostname"
    printf '127.0.0.1\tlocalhost\n127.0.1.1\tcomanda\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
    # No password anywhere: root's is locked ("*": nothing matches it) and no other login
    # account exists; the only account is the owner made in the setup wizard, in comanda.
    if ! grep -qE '^root:[*!]' "$root/etc/shadow"; then
        echo "root has a usable password in the base system: refusing to build" >&2
        exit 1
    fi
    systemctl --root="$root" enable systemd-networkd.service comanda.service comanda-backup.timer \
        comanda-boot-check.service comanda-console.service comanda-update.path >/dev/null
    systemctl --root="$root" disable systemd-networkd-wait-online.service >/dev/null 2>&1 || true
    # Every file dated SOURCE_DATE_EPOCH, for the same bytes from the same inputs.
    find "$root" -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch --no-dereference --date="@$SOURCE_DATE_EPOCH"
}

rootimg() {
    local root="$1" out="$2"
    rm -f "$out"
    mkfs.ext4 -q -F -L comanda-root -U "$(uuid_for root)" -E "hash_seed=$(uuid_for root-hash),root_owner=0:0" \
        -d "$root" "$out" "${ROOT_MIB}M"
    fix_ctimes "$out"
}

# mkfs.ext4 -d (e2fsprogs 1.47.0) copies each file's ctime and atime, which are when it was
# unpacked and read here: set both to SOURCE_DATE_EPOCH on every used inode. The used inodes are those not
# listed free in each group's bitmap.
fix_ctimes() {
    local image="$1"
    dumpe2fs "$image" 2>/dev/null | awk -v when="@$SOURCE_DATE_EPOCH" '
        /^Inodes per group:/ { per = $4 }
        /^Group [0-9]+:/ { group = $2 + 0 }
        /^  Free inodes:/ {
            delete free
            n = split(substr($0, index($0, ":") + 1), ranges, ",")
            for (i = 1; i <= n; i++) {
                gsub(/ /, "", ranges[i]); if (ranges[i] == "") continue
                split(ranges[i], ab, "-"); if (ab[2] == "") ab[2] = ab[1]
                for (x = ab[1]; x <= ab[2]; x++) free[x] = 1
            }
            for (x = group * per + 1; x <= (group + 1) * per; x++)
                if (!(x in free)) printf "sif <%d> ctime %s\nsif <%d> atime %s\n", x, when, x, when
        }' >"$image.ctimes"
    debugfs -w -f "$image.ctimes" "$image" >/dev/null 2>&1
    rm -f "$image.ctimes"
}

# A systemd-repart definition of a fixed-size partition, filled from a file (or empty).
partition() {
    local conf="$1" type="$2" label="$3" mib="$4" from="$5"
    {
        printf '[Partition]\nType=%s\nLabel=%s\n' "$type" "$label"
        [[ -n "$from" ]] && printf 'CopyBlocks=%s\n' "$from"
        printf 'SizeMinBytes=%sM\nSizeMaxBytes=%sM\n' "$mib" "$mib"
    } >"$conf"
}

disk() {
    local root="$1" rootimg="$2" out="$3" work
    work="$(mktemp -d "$(dirname "$out")/disk.XXXXXX")"
    trap 'rm -rf "$work"' RETURN
    local kernel initrd
    kernel="$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n 1)"
    initrd="$(ls "$root"/boot/initrd.img-* | sort -V | tail -n 1)"

    # The ESP: systemd-boot on the removable-media path (no NVRAM entry needed), slot A's
    # kernel, and the loader config. Entries are named comanda-<n>-<slot>: the highest n
    # boots; an update adds the next n with boot counting (see appliance/src/update.rs).
    mkdir -p "$work/esp/EFI/BOOT" "$work/esp/loader/entries" "$work/esp/comanda/a"
    cp "$root/usr/lib/systemd/boot/efi/systemd-bootx64.efi" "$work/esp/EFI/BOOT/BOOTX64.EFI"
    cp "$kernel" "$work/esp/comanda/a/vmlinuz"
    cp "$initrd" "$work/esp/comanda/a/initrd.img"
    cat >"$work/esp/loader/loader.conf" <<LOADER
default comanda-*
timeout 0
editor no
auto-entries no
auto-firmware no
LOADER
    sed -e "s/@VERSION@/$(cat "$root/usr/lib/comanda/version")/" -e 's/@SLOT@/a/g' \
        "$here/entry.conf.in" >"$work/esp/loader/entries/comanda-1-a.conf"
    find "$work/esp" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +
    mkfs.vfat -F 32 -n ESP -i "$(uuid_for esp | tr -d - | cut -c1-8)" --invariant \
        -C "$work/esp.vfat" $((ESP_MIB * 1024)) >/dev/null
    MTOOLS_SKIP_CHECK=1 mcopy -s -m -i "$work/esp.vfat" "$work/esp/EFI" "$work/esp/loader" "$work/esp/comanda" ::/

    mkfs.ext4 -q -F -L comanda-data -U "$(uuid_for data)" -E "hash_seed=$(uuid_for data-hash)" \
        "$work/data.ext4" "${DATA_MIB}M"

    mkdir -p "$work/repart"
    partition "$work/repart/10-esp.conf" esp esp "$ESP_MIB" "$work/esp.vfat"
    partition "$work/repart/20-root-a.conf" root-x86-64 comanda-root-a "$ROOT_MIB" "$rootimg"
    partition "$work/repart/30-root-b.conf" root-x86-64 comanda-root-b "$ROOT_MIB" ""
    partition "$work/repart/40-data.conf" linux-generic comanda-data "$DATA_MIB" "$work/data.ext4"
    rm -f "$out"
    systemd-repart --empty=create --size=auto --dry-run=no --definitions="$work/repart" \
        --seed="$(uuid_for disk)" "$out" >/dev/null
}

case "${1:-}" in
    base) base "$2" ;;
    rootfs) rootfs "$2" "$3" "$4" "$5" ;;
    rootimg) rootimg "$2" "$3" ;;
    disk) disk "$2" "$3" "$4" ;;
    *)
        sed -n '2,8p' "${BASH_SOURCE[0]}" >&2
        exit 2
        ;;
esac
