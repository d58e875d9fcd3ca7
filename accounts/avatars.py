"""Profile pictures: the thumbnail stored for an upload, and the initials shown for people without one.

An upload is never stored as sent: it is checked to be a JPEG, PNG or WebP picture that Pillow decodes whole, of
sane dimensions, then turned upright (EXIF orientation), converted to sRGB, cropped to its centre square, scaled
to AVATAR_SIDE pixels and re-encoded as WebP without any metadata (no EXIF: camera, GPS position...).
"""

import io
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from .models import name_of

AVATAR_SIDE = 256  # pixels of the stored square; pages show it at 36 and 96 CSS pixels, so sharp on 2x screens
AVATAR_MIN_SIDE = 64  # smaller pictures would be blown up into a blur
AVATAR_MAX_PIXELS = 50_000_000  # a 50-megapixel photo; decoding more is a decompression bomb's job
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
AVATAR_COLOURS = 12  # the fallback circles' colours, avatar-colour-0 .. -11 in static/css/site.css

NOT_A_PICTURE = "Upload a JPEG, PNG or WebP picture; this file is not one, or it is damaged."
TOO_MANY_PIXELS = f"The picture has too many pixels: at most {AVATAR_MAX_PIXELS // 1_000_000} megapixels."


def avatar_thumbnail(upload) -> ContentFile:
    """The normalised picture to store for an uploaded file (a Django File), or ValidationError with the reason."""
    max_bytes = settings.AVATAR_MAX_UPLOAD_MB * 1024 * 1024
    if upload.size > max_bytes:
        raise ValidationError(f"The picture is larger than {settings.AVATAR_MAX_UPLOAD_MB} MB.", code="too_large")
    try:
        upload.seek(0)
        image = Image.open(upload)
        if image.format not in ACCEPTED_FORMATS:
            raise ValidationError(NOT_A_PICTURE, code="format")
        _check_dimensions(*image.size)  # from the header, before anything is decoded
        image.load()  # decodes everything: a truncated or corrupt file fails here, not half-way through later
        image = _in_srgb(ImageOps.exif_transpose(image))
    except Image.DecompressionBombError:  # far past AVATAR_MAX_PIXELS: Pillow refuses to even open it
        raise ValidationError(TOO_MANY_PIXELS, code="too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(NOT_A_PICTURE, code="invalid") from None
    square = ImageOps.fit(image, (AVATAR_SIDE, AVATAR_SIDE), method=Image.Resampling.LANCZOS)
    encoded = io.BytesIO()
    square.save(encoded, format="WEBP", quality=85, method=4)  # no exif/icc_profile/xmp given: none written
    return ContentFile(encoded.getvalue(), name=f"{uuid.uuid4().hex}.webp")


def _check_dimensions(width: int, height: int) -> None:
    if width * height > AVATAR_MAX_PIXELS:
        raise ValidationError(TOO_MANY_PIXELS, code="too_many_pixels")
    if min(width, height) < AVATAR_MIN_SIDE:
        raise ValidationError(
            f"The picture is too small ({width}×{height} pixels); at least {AVATAR_MIN_SIDE}×{AVATAR_MIN_SIDE}.",
            code="too_small",
        )


def _in_srgb(image: Image.Image) -> Image.Image:
    """RGB (or RGBA when the picture has transparency) in sRGB: the colours a phone's wide-gamut photo means are
    kept when its colour profile goes with the other metadata. An unreadable profile is ignored."""
    mode = "RGBA" if image.has_transparency_data else "RGB"
    icc_profile = image.info.get("icc_profile")
    if icc_profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass
    return image.convert(mode)


@dataclass(frozen=True)
class Face:
    """What stands for a person next to their name: their picture's address, else initials on a colour."""

    url: str
    initials: str
    colour: int


def face_of(user) -> Face:
    """`user`'s face (its profile loaded with it, select_related, so a list costs no query per person). The colour
    follows the user id: a person keeps theirs wherever they appear."""
    profile = getattr(user, "profile", None)
    url = profile.avatar.url if profile is not None and profile.avatar else ""
    initials = initials_of(name_of(user)) or initials_of(user.username)
    return Face(url=url, initials=initials, colour=user.pk % AVATAR_COLOURS)


def initials_of(name: str) -> str:
    """The first letters of the first and last words of a name, upper case: "Anna van Dijk" → "AD", "demo" → "D"."""
    words = re.findall(r"[^\W_]+", name)
    if not words:
        return ""
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return "".join(letter.upper()[0] for letter in letters)
