from rest_framework import serializers


class FeedSerializer(serializers.Serializer):
    url = serializers.URLField(
        help_text="The secret address of the feed; anyone holding it can read the calendar."
    )
